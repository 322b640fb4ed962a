# Checks for regression on MP_QSTR_NULL
def returns_NULL():
    return "NULL"
