#include "tests/examples/rv64/raw_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace strata::test {

RawResult run_raw(const std::vector<std::string>& argv, const std::string& input, int timeout_s) {
  RawResult r;
  signal(SIGPIPE, SIG_IGN);  // a guest that exits before reading all its stdin
  int in_p[2], out_p[2], err_p[2], exec_p[2];
  if (pipe(in_p) || pipe(out_p) || pipe(err_p) || pipe2(exec_p, O_CLOEXEC)) {
    r.exec_failed = true;
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // a guest's SIGABRT must not leave core files around
    signal(SIGPIPE, SIG_DFL);
    dup2(in_p[0], 0);
    dup2(out_p[1], 1);
    dup2(err_p[1], 2);
    for (int fd : {in_p[0], in_p[1], out_p[0], out_p[1], err_p[0], err_p[1], exec_p[0]}) close(fd);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    char failed = 1;
    (void)!write(exec_p[1], &failed, 1);
    _exit(127);
  }
  for (int fd : {in_p[0], out_p[1], err_p[1], exec_p[1]}) close(fd);
  char failed = 0;
  r.exec_failed = read(exec_p[0], &failed, 1) == 1;  // EOF when exec succeeded (CLOEXEC)
  close(exec_p[0]);
  for (int fd : {in_p[1], out_p[0], err_p[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

  int in_fd = in_p[1];
  if (input.empty()) close(in_fd), in_fd = -1;
  int fds_out[2] = {out_p[0], err_p[0]};
  std::string* sinks[2] = {&r.out, &r.err};
  size_t written = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[65536];
  while (fds_out[0] >= 0 || fds_out[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      kill(-pid, SIGKILL);
      r.timed_out = true;
      break;
    }
    pollfd p[3] = {{fds_out[0], POLLIN, 0}, {fds_out[1], POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(p, 3, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds_out[k] < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds_out[k], buf, sizeof buf);
      if (n > 0) {
        sinks[k]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(fds_out[k]);
        fds_out[k] = -1;
      }
    }
    if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // reader gone
      if (written >= input.size()) close(in_fd), in_fd = -1;
    }
  }
  for (int fd : {in_fd, fds_out[0], fds_out[1]})
    if (fd >= 0) close(fd);
  while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

std::string describe_status(const RawResult& r) {
  if (r.exec_failed) return "exec failed";
  if (r.timed_out) return "timeout";
  if (WIFEXITED(r.status)) return "exit " + std::to_string(WEXITSTATUS(r.status));
  if (WIFSIGNALED(r.status))
    return "signal " + std::to_string(WTERMSIG(r.status)) + " (" + strsignal(WTERMSIG(r.status)) +
           ")";
  return "status " + std::to_string(r.status);
}

}  // namespace strata::test
