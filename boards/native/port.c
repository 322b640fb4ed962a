/* native port: the firmware as a host process (Linux/POSIX), as MicroPython's ports/unix.
 *
 * Usage: <elf> [--tcp PORT | --pty]
 *   --tcp PORT  serve the serial line on 127.0.0.1:PORT (0, the default, picks a free port)
 *   --pty       serve it on a pseudo-terminal instead
 * Before calling qmoe_app_main() the process prints one line on stdout, flushed:
 *   "qmoe-native serial socket://127.0.0.1:PORT"  or  "qmoe-native serial /dev/pts/N"
 * so that a parent can connect with pyserial's serial_for_url(). qmoe_port_init() then waits
 * for the first TCP client (as QEMU's `-serial tcp:...,server=on,wait=on` does); when a client
 * disconnects the next one is accepted. TCP_NODELAY is set on every client.
 *
 * Counter: CLOCK_MONOTONIC in nanoseconds, truncated to 32 bits (wraps every 4.29 s).
 * Sleep: poll() on the serial descriptor. Marker: none (no-op).
 */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "qmoe_port.h"

static int use_pty;
static unsigned tcp_port;
static int listen_fd = -1;
static int serial_fd = -1; /* connected client or pty master; -1 while none */

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--tcp PORT | --pty]\n", prog);
    return 2;
}

int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--pty") == 0) {
            use_pty = 1;
        } else if (strcmp(argv[i], "--tcp") == 0 && i + 1 < argc) {
            char *end;
            unsigned long p = strtoul(argv[++i], &end, 10);

            if (*end != '\0' || p > 65535ul) {
                return usage(argv[0]);
            }
            tcp_port = (unsigned)p;
        } else {
            return usage(argv[0]);
        }
    }
    return qmoe_app_main();
}

static int open_pty(void)
{
    struct termios t;
    int fd = posix_openpt(O_RDWR | O_NOCTTY);

    if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0 || tcgetattr(fd, &t) != 0) {
        perror("qmoe-native: pty");
        return -1;
    }
    /* Raw bytes both ways (what cfmakeraw() does, which POSIX lacks). */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        perror("qmoe-native: pty");
        return -1;
    }
    printf("qmoe-native serial %s\n", ptsname(fd));
    fflush(stdout);
    return fd;
}

static int open_listener(void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        perror("qmoe-native: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)tcp_port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        fprintf(stderr, "qmoe-native: cannot listen on 127.0.0.1:%u: %s\n", tcp_port,
                strerror(errno));
        close(fd);
        return -1;
    }
    printf("qmoe-native serial socket://127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);
    return fd;
}

static void accept_client(void)
{
    int one = 1;
    int fd;

    do {
        fd = accept(listen_fd, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    serial_fd = fd;
}

static void drop_client(void)
{
    if (!use_pty && serial_fd >= 0) {
        close(serial_fd);
        serial_fd = -1;
    }
}

qmoe_status_t qmoe_port_init(void)
{
    if (use_pty) {
        serial_fd = open_pty();
        return serial_fd < 0 ? QMOE_ERR_NO_DEVICE : QMOE_OK;
    }
    listen_fd = open_listener();
    if (listen_fd < 0) {
        return QMOE_ERR_NO_DEVICE;
    }
    accept_client();
    return QMOE_OK;
}

int qmoe_port_read(uint8_t *buf, size_t max)
{
    ssize_t n;

    if (serial_fd < 0 || max == 0) {
        return 0;
    }
    if (use_pty) {
        n = read(serial_fd, buf, max); /* non-blocking: guarded by poll() below */
        return n > 0 ? (int)n : 0;
    }
    n = recv(serial_fd, buf, max, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        drop_client(); /* the host hung up: the next wait accepts a new one */
        return 0;
    }
    return n > 0 ? (int)n : 0;
}

void qmoe_port_write(const uint8_t *buf, size_t n)
{
    while (n > 0 && serial_fd >= 0) {
        ssize_t k = use_pty ? write(serial_fd, buf, n) : send(serial_fd, buf, n, MSG_NOSIGNAL);

        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            drop_client();
            return;
        }
        buf += k;
        n -= (size_t)k;
    }
}

void qmoe_port_wait_for_input(void)
{
    struct pollfd p;

    if (serial_fd < 0) {
        accept_client();
        return;
    }
    p.fd = serial_fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, -1) > 0 && use_pty && (p.revents & POLLHUP)) {
        /* No process has the pty's other side open: poll() would return at once forever. */
        struct timespec pause = {0, 20000000L};

        nanosleep(&pause, NULL);
    }
}

uint32_t qmoe_port_counter(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

void qmoe_port_marker(int high)
{
    (void)high;
}
