// The few Linux socket calls the HTTP server needs that Swift's Glibc module does not expose
// (epoll, accept4, eventfd) or exposes awkwardly (the packed `struct epoll_event`, signal
// handlers that only set a flag). Each function is a thin wrapper; errors are `-errno`.
#ifndef MLCTL_CNETWORKING_H
#define MLCTL_CNETWORKING_H

#include <stdint.h>

/// epoll event bits, re-exported as plain constants.
extern const uint32_t mlctl_epoll_in;
extern const uint32_t mlctl_epoll_out;
extern const uint32_t mlctl_epoll_err;
extern const uint32_t mlctl_epoll_hup;
extern const uint32_t mlctl_epoll_rdhup;
extern const uint32_t mlctl_epoll_et;
extern const uint32_t mlctl_epoll_exclusive;

/// A new epoll instance (close-on-exec), or -errno.
int mlctl_epoll_create(void);
/// Adds / modifies / removes `fd` in `epfd` with `events`; 0 or -errno.
int mlctl_epoll_add(int epfd, int fd, uint32_t events);
int mlctl_epoll_modify(int epfd, int fd, uint32_t events);
int mlctl_epoll_remove(int epfd, int fd);
/// Waits up to `timeout_ms` for at most `capacity` events; writes each event's fd and bits
/// into the two arrays. Returns the count, 0 on timeout or EINTR, -errno otherwise.
int mlctl_epoll_wait(int epfd, int32_t *fds, uint32_t *events, int capacity, int timeout_ms);

/// A non-blocking TCP socket listening on `host` (IPv4 dotted quad) : `port` (0 = any free
/// port) with SO_REUSEADDR, and SO_REUSEPORT when `reuse_port` is non-zero (several sockets on
/// one port, among which the kernel spreads new connections evenly); `*bound_port` receives
/// the port. Returns the fd or -errno (-EINVAL for an unparsable host).
int mlctl_listen_tcp(const char *host, int port, int backlog, int reuse_port, int *bound_port);
/// Accepts one connection as a non-blocking, close-on-exec socket with TCP_NODELAY; the fd,
/// or -errno (-EAGAIN when none is pending). `*peer_address` receives the client's IPv4
/// address in host byte order (for the access log).
int mlctl_accept(int listen_fd, uint32_t *peer_address);

/// A non-blocking eventfd (to wake an event loop), or -errno; signal it with
/// `mlctl_eventfd_signal`, drain it with `mlctl_eventfd_drain`.
int mlctl_eventfd(void);
void mlctl_eventfd_signal(int fd);
void mlctl_eventfd_drain(int fd);

/// Installs handlers that make SIGTERM and SIGINT set a process-wide flag (and nothing else),
/// and ignores SIGPIPE so that writing to a closed socket returns EPIPE instead of killing
/// the process.
void mlctl_install_shutdown_signals(void);
/// Whether SIGTERM or SIGINT arrived since `mlctl_install_shutdown_signals`.
int mlctl_shutdown_requested(void);
/// Ignores SIGPIPE only (for servers embedded in tests).
void mlctl_ignore_sigpipe(void);

#endif
