// A guest's serial console driven the way a person types at it: an emulator runs with its
// stdin and its stdout + stderr on pipes; the test waits for text (a prompt) before it sends the
// next line, because a guest drops what arrives before its UART driver is up (the 8250 driver
// resets the FIFO when it probes) and before a shell reads.
#pragma once

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

namespace strata::test {

class ConsoleSession {
 public:
  // Starts argv[0] (a path) with argv. running() is false when that failed.
  explicit ConsoleSession(const std::vector<std::string>& argv) {
    // A guest that exits before reading what was sent must not kill the test with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (::pipe(in) != 0) return;
    if (::pipe(out) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_guest_ = in[1];
    from_guest_ = out[0];
  }
  ~ConsoleSession() {
    if (to_guest_ >= 0) ::close(to_guest_);
    if (from_guest_ >= 0) ::close(from_guest_);
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ConsoleSession(const ConsoleSession&) = delete;
  ConsoleSession& operator=(const ConsoleSession&) = delete;

  [[nodiscard]] bool running() const { return pid_ > 0 && from_guest_ >= 0; }

  // Reads until `text` appears in the output at or after `from`, the output ends, or
  // `timeout_s` pass. Returns its position, or npos.
  std::size_t wait_for(const std::string& text, std::size_t from, int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (;;) {
      if (auto at = out_.find(text, from); at != std::string::npos) return at;
      if (!read_some(deadline)) return std::string::npos;
    }
  }

  bool send(const std::string& text) {
    return to_guest_ >= 0 &&
           ::write(to_guest_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }

  // Reads the rest of the output and waits for the exit: the exit code, 128 + signal number
  // when a signal ended it, or -1 when it was still running after `timeout_s` (then killed).
  int wait_exit(int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (read_some(deadline)) {
    }
    if (to_guest_ >= 0) {
      ::close(to_guest_);
      to_guest_ = -1;
    }
    int status = 0;
    for (;;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
      if (std::chrono::steady_clock::now() >= deadline) return -1;  // the destructor kills it
      ::usleep(20'000);
    }
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Everything it wrote so far, without the serial console's carriage returns.
  [[nodiscard]] const std::string& output() const { return out_; }

 private:
  // One read of output, waiting until `deadline`; false at its end or on time-out.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (from_guest_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{from_guest_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(from_guest_, buf, sizeof buf);
    if (n <= 0) {
      ::close(from_guest_);
      from_guest_ = -1;
      return false;
    }
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] != '\r') out_.push_back(buf[i]);
    return true;
  }

  pid_t pid_ = -1;
  int to_guest_ = -1;
  int from_guest_ = -1;
  bool exited_ = false;
  std::string out_;
};

}  // namespace strata::test
