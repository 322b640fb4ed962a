# test frozen package with __init__.py
print("frzstr_pkg1.__init__")
x = 1
