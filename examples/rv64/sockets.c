// Sockets and epoll (sockets.c DIR): a socketpair echo, TCP on 127.0.0.1 with a server thread
// (accept4, an echo, one large send the server must drain while the sender waits, MSG_WAITALL),
// UDP sendto/recvfrom, an AF_UNIX path socket in DIR, sendmsg/recvmsg with iovecs, SCM_RIGHTS,
// MSG_TRUNC, socket options, epoll (level and edge triggered, timeout 0, a wait woken by another
// thread, epoll_pwait with a mask), EPIPE with and without SIGPIPE, and the errors
// (ECONNREFUSED, EFAULT, EINVAL, EBADF, ENOTSOCK, EEXIST...). Ports and fd numbers vary between
// runs, so only their properties are printed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

// An unmapped address the compiler cannot see through (it would warn about the calls).
static void* volatile bad_ptr = (void*)8;

static void check(int ok, const char* what) {
  if (!ok) {
    printf("FAILED: %s (errno %s)\n", what, strerror(errno));
    exit(1);
  }
}

static const char* err_name(int e) {
  switch (e) {
    case 0: return "ok";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EPIPE: return "EPIPE";
    case EAGAIN: return "EAGAIN";
    case ENOTCONN: return "ENOTCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case EISCONN: return "EISCONN";
    default: return strerror(e);
  }
}

// "ok" or the errno's name of a call that returned r.
static const char* outcome(long r) {
  return r < 0 ? err_name(errno) : "ok";
}

static void socketpair_echo(void) {
  int sv[2];
  check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
  check(fcntl(sv[0], F_GETFD) == FD_CLOEXEC && fcntl(sv[1], F_GETFD) == FD_CLOEXEC, "cloexec");
  check(write(sv[0], "ping", 4) == 4, "write");
  char buf[16] = {0};
  check(read(sv[1], buf, sizeof buf) == 4, "read");
  check(write(sv[1], "pong", 4) == 4, "write back");
  char back[16] = {0};
  check(recv(sv[0], back, sizeof back, 0) == 4, "recv");
  int type = 0;
  socklen_t len = sizeof type;
  check(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0, "SO_TYPE");
  printf("socketpair: %s %s, SO_TYPE %d (len %u)\n", buf, back, type, (unsigned)len);
  close(sv[0]);
  check(read(sv[1], buf, sizeof buf) == 0, "EOF after close");
  close(sv[1]);
}

static struct sockaddr_in loopback(uint16_t port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static uint16_t local_port(int fd) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  check(getsockname(fd, (struct sockaddr*)&a, &len) == 0 && len == sizeof a, "getsockname");
  return ntohs(a.sin_port);
}

enum { kBig = 3 << 20 };  // more than loopback buffers take: the sender must wait for the reader

// The TCP server thread: accepts one connection, echoes lines in upper case until "big", then
// reads kBig bytes and answers with their sum, then answers a MSG_WAITALL reader in pieces.
static void* tcp_server(void* arg) {
  int listener = *(int*)arg;
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  int fd = accept4(listener, (struct sockaddr*)&peer, &len, SOCK_CLOEXEC);
  check(fd >= 0, "accept4");
  check(len == sizeof peer && peer.sin_family == AF_INET &&
            peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
        "peer address");
  check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "accept4 cloexec");
  char line[64];
  for (;;) {
    ssize_t n = recv(fd, line, sizeof line - 1, 0);
    check(n > 0, "server recv");
    line[n] = 0;
    if (strcmp(line, "big") == 0) break;
    for (ssize_t i = 0; i < n; ++i)
      if (line[i] >= 'a' && line[i] <= 'z') line[i] -= 32;
    check(send(fd, line, (size_t)n, 0) == n, "server send");
  }
  static char chunk[65536];
  uint64_t total = 0, sum = 0;
  while (total < kBig) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    check(n > 0, "server read big");
    for (ssize_t i = 0; i < n; ++i) sum += (uint8_t)chunk[i];
    total += (uint64_t)n;
  }
  char answer[64];
  int alen = snprintf(answer, sizeof answer, "%llu %llu", (unsigned long long)total,
                      (unsigned long long)sum);
  check(send(fd, answer, (size_t)alen, 0) == alen, "server answer");
  // Three pieces with pauses: the client's MSG_WAITALL waits for all of them.
  for (int i = 0; i < 3; ++i) {
    struct timespec t = {0, 20 * 1000 * 1000};
    nanosleep(&t, NULL);
    check(send(fd, "abcd", 4, 0) == 4, "server piece");
  }
  close(fd);
  return NULL;
}

static void tcp(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  check(listener >= 0, "socket");
  int one = 1;
  check(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "SO_REUSEADDR");
  int got = 0;
  socklen_t glen = sizeof got;
  check(getsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &got, &glen) == 0, "get SO_REUSEADDR");
  struct sockaddr_in addr = loopback(0);
  check(bind(listener, (struct sockaddr*)&addr, sizeof addr) == 0, "bind");
  check(listen(listener, 4) == 0, "listen");
  uint16_t port = local_port(listener);
  printf("tcp: SO_REUSEADDR %d, port assigned %s\n", got, port != 0 ? "yes" : "no");
  pthread_t server;
  check(pthread_create(&server, NULL, tcp_server, &listener) == 0, "pthread_create");

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "client socket");
  addr = loopback(port);
  // A small send buffer: the large send below must wait for the server thread many times.
  int sndbuf = 16384;
  check(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) == 0, "SO_SNDBUF");
  check(connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0, "connect");
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  check(getpeername(fd, (struct sockaddr*)&peer, &plen) == 0, "getpeername");
  printf("tcp: peer port matches %s\n", ntohs(peer.sin_port) == port ? "yes" : "no");
  int nodelay = 1;
  check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) == 0, "TCP_NODELAY");
  const char* words[] = {"hello", "sockets", "on riscv"};
  for (int i = 0; i < 3; ++i) {
    size_t n = strlen(words[i]);
    check(send(fd, words[i], n, 0) == (ssize_t)n, "send");
    char buf[64] = {0};
    size_t have = 0;
    while (have < n) {
      ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
      check(r > 0, "recv echo");
      have += (size_t)r;
    }
    printf("tcp: echo %s\n", buf);
  }
  check(send(fd, "big", 3, 0) == 3, "send big");
  // Let the server see "big" alone before the bytes follow.
  struct timespec t = {0, 50 * 1000 * 1000};
  nanosleep(&t, NULL);
  char* big = malloc(kBig);
  uint64_t sum = 0;
  for (int i = 0; i < kBig; ++i) {
    big[i] = (char)(i * 7 + (i >> 9));
    sum += (uint8_t)big[i];
  }
  check(send(fd, big, kBig, 0) == kBig, "one large send");
  free(big);
  char answer[64] = {0};
  ssize_t n = recv(fd, answer, sizeof answer - 1, 0);
  check(n > 0, "recv answer");
  char expect[64];
  snprintf(expect, sizeof expect, "%llu %llu", (unsigned long long)kBig, (unsigned long long)sum);
  printf("tcp: large send %s\n", strcmp(answer, expect) == 0 ? "arrived whole" : answer);
  char all[12] = {0};
  n = recv(fd, all, sizeof all, MSG_WAITALL);
  printf("tcp: MSG_WAITALL got %zd bytes: %.12s\n", n, all);
  check(recv(fd, all, sizeof all, 0) == 0, "EOF");
  check(pthread_join(server, NULL) == 0, "join");
  close(fd);
  close(listener);
}

static void udp(void) {
  int a = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int b = socket(AF_INET, SOCK_DGRAM, 0);
  check(a >= 0 && b >= 0, "udp sockets");
  check((fcntl(a, F_GETFL) & O_NONBLOCK) != 0, "SOCK_NONBLOCK");
  struct sockaddr_in addr = loopback(0);
  check(bind(a, (struct sockaddr*)&addr, sizeof addr) == 0, "bind a");
  check(bind(b, (struct sockaddr*)&addr, sizeof addr) == 0, "bind b");
  uint16_t pa = local_port(a), pb = local_port(b);
  char buf[32];
  errno = 0;
  printf("udp: empty non-blocking recv: %s\n", outcome(recv(a, buf, sizeof buf, 0)));
  struct sockaddr_in to = loopback(pb);
  check(sendto(a, "datagram", 8, 0, (struct sockaddr*)&to, sizeof to) == 8, "sendto");
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  memset(buf, 0, sizeof buf);
  ssize_t n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
  printf("udp: recvfrom %zd '%s', from port matches %s, addrlen %u\n", n, buf,
         ntohs(from.sin_port) == pa ? "yes" : "no", (unsigned)flen);
  // A too-small address buffer: truncated, the full length reported.
  check(sendto(a, "x", 1, 0, (struct sockaddr*)&to, sizeof to) == 1, "sendto 2");
  char small[4];
  flen = sizeof small;
  n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr*)small, &flen);
  printf("udp: small address buffer: %zd bytes, addrlen %u\n", n, (unsigned)flen);
  int type = 0;
  socklen_t tlen = sizeof type;
  check(getsockopt(b, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0, "SO_TYPE udp");
  printf("udp: SO_TYPE %d\n", type);
  close(a);
  close(b);
}

static void unix_path(const char* dir) {
  char path[sizeof(((struct sockaddr_un*)0)->sun_path)];
  check(strlen(dir) + 6 <= sizeof path, "DIR short enough for sun_path");
  snprintf(path, sizeof path, "%s/sock", dir);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, sizeof path);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  check(listener >= 0, "unix socket");
  check(bind(listener, (struct sockaddr*)&addr, sizeof addr) == 0, "unix bind");
  printf("unix: second bind: %s\n",
         outcome(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr*)&addr, sizeof addr)));
  check(listen(listener, 2) == 0, "unix listen");
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  check(connect(client, (struct sockaddr*)&addr, sizeof addr) == 0, "unix connect");
  int server = accept(listener, NULL, NULL);
  check(server >= 0, "unix accept");
  struct sockaddr_un name;
  socklen_t len = sizeof name;
  check(getsockname(listener, (struct sockaddr*)&name, &len) == 0, "unix getsockname");
  printf("unix: bound to a path %s, family %d\n", strcmp(name.sun_path, path) == 0 ? "yes" : "no",
         name.sun_family);
  check(write(client, "over unix", 9) == 9, "unix write");
  char buf[16] = {0};
  check(read(server, buf, sizeof buf) == 9, "unix read");
  printf("unix: %s\n", buf);
  errno = 0;
  printf("unix: connect again: %s\n",
         outcome(connect(client, (struct sockaddr*)&addr, sizeof addr)));
  close(client);
  close(server);
  close(listener);
  check(unlink(path) == 0, "unlink");
  int late = socket(AF_UNIX, SOCK_STREAM, 0);
  printf("unix: connect to a removed path: %s\n",
         outcome(connect(late, (struct sockaddr*)&addr, sizeof addr)));
  close(late);
}

static int backlog_listener;
// Accepts two connections after a pause, so that the second connect waits for the first accept.
static void* late_acceptor(void* arg) {
  (void)arg;
  struct timespec t = {0, 30 * 1000 * 1000};
  nanosleep(&t, NULL);
  for (int i = 0; i < 2; ++i) {
    int fd = accept(backlog_listener, NULL, NULL);
    check(fd >= 0, "late accept");
    close(fd);
  }
  return NULL;
}

// An AF_UNIX listener with backlog 0 takes one pending connection; a second connect blocks until
// another thread accepts.
static void unix_backlog(const char* dir) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  check(strlen(dir) + 9 <= sizeof addr.sun_path, "DIR short enough for sun_path");
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s/backlog", dir);
  backlog_listener = socket(AF_UNIX, SOCK_STREAM, 0);
  check(bind(backlog_listener, (struct sockaddr*)&addr, sizeof addr) == 0, "backlog bind");
  check(listen(backlog_listener, 0) == 0, "backlog listen");
  pthread_t acceptor;
  check(pthread_create(&acceptor, NULL, late_acceptor, NULL) == 0, "acceptor");
  int first = socket(AF_UNIX, SOCK_STREAM, 0), second = socket(AF_UNIX, SOCK_STREAM, 0);
  check(connect(first, (struct sockaddr*)&addr, sizeof addr) == 0, "first connect");
  errno = 0;
  printf("unix: connect past a full backlog: %s\n",
         outcome(connect(second, (struct sockaddr*)&addr, sizeof addr)));
  check(pthread_join(acceptor, NULL) == 0, "join acceptor");
  close(first);
  close(second);
  close(backlog_listener);
  unlink(addr.sun_path);
}

static void messages(void) {
  int sv[2];
  check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
  char p1[] = "one,", p2[] = "two,", p3[] = "three";
  struct iovec out[3] = {{p1, 4}, {p2, 4}, {p3, 5}};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = out;
  m.msg_iovlen = 3;
  printf("msg: sendmsg %zd\n", sendmsg(sv[0], &m, 0));
  char a[6] = {0}, b[16] = {0};
  struct iovec in[2] = {{a, 5}, {b, 15}};
  memset(&m, 0, sizeof m);
  m.msg_iov = in;
  m.msg_iovlen = 2;
  ssize_t n = recvmsg(sv[1], &m, 0);
  printf("msg: recvmsg %zd '%s' '%s' flags %d\n", n, a, b, m.msg_flags);

  // SCM_RIGHTS: the write end of a pipe goes over the socket and is written through.
  int pipefd[2];
  check(pipe(pipefd) == 0, "pipe");
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  char byte = 'R';
  struct iovec one = {&byte, 1};
  memset(&m, 0, sizeof m);
  m.msg_iov = &one;
  m.msg_iovlen = 1;
  m.msg_control = control.buf;
  m.msg_controllen = sizeof control.buf;
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pipefd[1], sizeof(int));
  check(sendmsg(sv[0], &m, 0) == 1, "sendmsg SCM_RIGHTS");
  close(pipefd[1]);
  memset(&control, 0, sizeof control);
  byte = 0;
  m.msg_controllen = sizeof control.buf;
  check(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1, "recvmsg SCM_RIGHTS");
  c = CMSG_FIRSTHDR(&m);
  check(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)),
        "SCM_RIGHTS header");
  int passed;
  memcpy(&passed, CMSG_DATA(c), sizeof passed);
  check(fcntl(passed, F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
  check(write(passed, "via fd", 6) == 6, "write through the passed fd");
  close(passed);
  char got[8] = {0};
  check(read(pipefd[0], got, sizeof got) == 6, "read the pipe");
  printf("msg: SCM_RIGHTS byte %c, pipe got '%s', controllen %s\n", byte, got,
         m.msg_controllen == CMSG_SPACE(sizeof(int)) ? "right" : "wrong");
  close(pipefd[0]);
  // Sending a closed fd.
  int closed = 1000;
  memcpy(CMSG_DATA(c), &closed, sizeof closed);
  c->cmsg_len = CMSG_LEN(sizeof(int));
  m.msg_controllen = sizeof control.buf;
  errno = 0;
  printf("msg: SCM_RIGHTS of a closed fd: %s\n", outcome(sendmsg(sv[0], &m, 0)));
  close(sv[0]);
  close(sv[1]);

  // A datagram longer than the buffer: MSG_TRUNC.
  check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "dgram socketpair");
  check(send(sv[0], "0123456789", 10, 0) == 10, "dgram send");
  char part[4];
  struct iovec pin = {part, 4};
  memset(&m, 0, sizeof m);
  m.msg_iov = &pin;
  m.msg_iovlen = 1;
  n = recvmsg(sv[1], &m, 0);
  printf("msg: truncated datagram %zd, MSG_TRUNC %s\n", n,
         (m.msg_flags & MSG_TRUNC) ? "set" : "not set");
  close(sv[0]);
  close(sv[1]);
}

static int pipe_signals;
static void on_sigpipe(int sig) {
  (void)sig;
  ++pipe_signals;
}

static void epipe(void) {
  signal(SIGPIPE, on_sigpipe);
  int sv[2];
  check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
  close(sv[1]);
  errno = 0;
  printf("epipe: MSG_NOSIGNAL send: %s, signals %d\n", outcome(send(sv[0], "x", 1, MSG_NOSIGNAL)),
         pipe_signals);
  errno = 0;
  printf("epipe: plain send: %s, signals %d\n", outcome(send(sv[0], "x", 1, 0)), pipe_signals);
  close(sv[0]);
  signal(SIGPIPE, SIG_DFL);
}

static void errors(void) {
  // A port nobody listens on: bound, then closed.
  int tmp = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = loopback(0);
  check(bind(tmp, (struct sockaddr*)&addr, sizeof addr) == 0, "bind tmp");
  uint16_t port = local_port(tmp);
  close(tmp);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  addr = loopback(port);
  errno = 0;
  printf("errors: connect to a closed port: %s\n",
         outcome(connect(fd, (struct sockaddr*)&addr, sizeof addr)));
  close(fd);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  errno = 0;
  printf("errors: connect with a bad address pointer: %s\n",
         outcome(connect(fd, (struct sockaddr*)bad_ptr, sizeof addr)));
  addr = loopback(0);
  printf("errors: bind addrlen -1: %s\n",
         outcome(bind(fd, (struct sockaddr*)&addr, (socklen_t)-1)));
  printf("errors: bind addrlen 200: %s\n", outcome(bind(fd, (struct sockaddr*)&addr, 200)));
  printf("errors: bind addrlen 2: %s\n", outcome(bind(fd, (struct sockaddr*)&addr, 2)));
  socklen_t len = sizeof addr;
  printf("errors: getsockname bad length pointer: %s\n",
         outcome(getsockname(fd, (struct sockaddr*)&addr, (socklen_t*)bad_ptr)));
  int neg = -1;
  printf("errors: getsockname negative length: %s\n",
         outcome(getsockname(fd, (struct sockaddr*)&addr, (socklen_t*)&neg)));
  printf("errors: getpeername unconnected: %s\n",
         outcome(getpeername(fd, (struct sockaddr*)&addr, &len)));
  int optval;
  socklen_t optlen = sizeof optval;
  printf("errors: getsockopt bad value pointer: %s\n",
         outcome(getsockopt(fd, SOL_SOCKET, SO_TYPE, bad_ptr, &optlen)));
  printf("errors: setsockopt bad value pointer: %s\n",
         outcome(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, bad_ptr, 4)));
  printf("errors: send on unconnected TCP: %s\n", outcome(send(fd, "x", 1, MSG_NOSIGNAL)));
  printf("errors: accept4 bad flags: %s\n", outcome(accept4(fd, NULL, NULL, 0x1)));
  printf("errors: shutdown unconnected: %s\n", outcome(shutdown(fd, SHUT_RDWR)));
  close(fd);
  printf("errors: socket on a closed fd: %s\n", outcome(listen(fd, 1)));
  printf("errors: bad family: %s\n", outcome(socket(12345, SOCK_STREAM, 0)));
  int p[2];
  check(pipe(p) == 0, "pipe");
  printf("errors: getsockname on a pipe: %s\n",
         outcome(getsockname(p[0], (struct sockaddr*)&addr, &len)));
  close(p[0]);
  close(p[1]);
  printf("errors: socketpair bad pointer: %s\n",
         outcome(socketpair(AF_UNIX, SOCK_STREAM, 0, (int*)bad_ptr)));
}

static int wake_fd;
static void* late_writer(void* arg) {
  (void)arg;
  struct timespec t = {0, 30 * 1000 * 1000};
  nanosleep(&t, NULL);
  check(write(wake_fd, "w", 1) == 1, "late write");
  return NULL;
}

static void epoll(void) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  check(ep >= 0, "epoll_create1");
  check(fcntl(ep, F_GETFD) == FD_CLOEXEC, "EPOLL_CLOEXEC");
  int sv[2], p[2];
  check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0, "fds");
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1111222233334444ull};
  check(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0, "add sv0");
  ev.events = EPOLLOUT;
  ev.data.u64 = 22;
  check(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "add pipe write end");
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 33;
  check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add pipe read end");
  struct epoll_event out[8];
  int n = epoll_wait(ep, out, 8, 0);
  printf("epoll: timeout 0: %d event(s), data %llu events %#x\n", n,
         (unsigned long long)out[0].data.u64, out[0].events);
  check(write(sv[1], "in", 2) == 2 && write(p[1], "e", 1) == 1, "make readable");
  n = epoll_wait(ep, out, 8, 1000);
  unsigned long long sum = 0;
  for (int i = 0; i < n; ++i) sum += out[i].data.u64 ^ out[i].events;
  printf("epoll: %d events, checksum %#llx\n", n, sum);
  n = epoll_wait(ep, out, 1, 0);
  printf("epoll: maxevents 1 gives %d\n", n);
  // Edge triggered: the pipe's read end is not reported again until new data.
  n = epoll_wait(ep, out, 8, 0);
  int saw_edge = 0;
  for (int i = 0; i < n; ++i) saw_edge |= out[i].data.u64 == 33;
  printf("epoll: level-triggered still %d, edge reported again: %s\n", n, saw_edge ? "yes" : "no");
  errno = 0;
  printf("epoll: add twice: %s\n", outcome(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev)));
  printf("epoll: bad fd: %s\n", outcome(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev)));
  printf("epoll: bad epfd: %s\n", outcome(epoll_ctl(999, EPOLL_CTL_ADD, sv[0], &ev)));
  printf("epoll: not an epoll fd: %s\n", outcome(epoll_ctl(p[0], EPOLL_CTL_ADD, sv[0], &ev)));
  printf("epoll: epfd on itself: %s\n", outcome(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev)));
  printf("epoll: bad event pointer: %s\n",
         outcome(epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], (struct epoll_event*)bad_ptr)));
  printf("epoll: maxevents 0: %s\n", outcome(epoll_wait(ep, out, 0, 0)));
  printf("epoll: bad events pointer: %s\n",
         outcome(epoll_wait(ep, (struct epoll_event*)bad_ptr, 4, 0)));
  printf("epoll: wait on a closed fd: %s\n", outcome(epoll_wait(999, out, 4, 0)));
  check(epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL) == 0, "del");
  check(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "del pipe");
  printf("epoll: del missing: %s\n", outcome(epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL)));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  n = epoll_wait(ep, out, 8, 40);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("epoll: a 40 ms timeout: %d events, waited long enough: %s\n", n, ms >= 39 ? "yes" : "no");
  // epoll_pwait with a signal mask; another thread makes the socket readable.
  ev.events = EPOLLIN;
  ev.data.u64 = 77;
  check(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0, "add sv1");
  wake_fd = sv[0];
  pthread_t writer;
  check(pthread_create(&writer, NULL, late_writer, NULL) == 0, "writer");
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  n = epoll_pwait(ep, out, 8, -1, &mask);
  printf("epoll: woken by a thread: %d event, data %llu\n", n, (unsigned long long)out[0].data.u64);
  check(pthread_join(writer, NULL) == 0, "join writer");
  close(sv[0]);
  close(sv[1]);
  close(p[0]);
  close(p[1]);
  close(ep);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) {
    printf("usage: sockets DIR\n");
    return 2;
  }
  socketpair_echo();
  tcp();
  udp();
  unix_path(argv[1]);
  unix_backlog(argv[1]);
  messages();
  epipe();
  errors();
  epoll();
  printf("done\n");
  return 0;
}
