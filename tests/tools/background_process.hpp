// A strata process running in the background of a test (`strata boot --monitor` while the
// test attaches to it): its stdout and stderr go to files, its stdin is `stdin_fd` (made
// close-on-exec by the caller's pipe2) or /dev/null. The destructor kills it if the test did not
// see it end.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace strata::test {

class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, std::string out, std::string err,
                    int stdin_fd = -1)
      : out_(std::move(out)), err_(std::move(err)) {
    pid_ = fork();
    if (pid_ != 0) return;
    const int o = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(in, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ~BackgroundProcess() {
    if (pid_ > 0 && !status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The raw wait status once it has ended within `timeout_ms`, else nullopt (still running).
  std::optional<int> wait(int timeout_ms) {
    for (int waited = 0; !status_ && waited <= timeout_ms; waited += 50) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status_;
  }
  std::string out() const { return slurp(out_); }
  // Waits up to `timeout_ms` for its stdout to contain `text`.
  bool wait_for_out(const std::string& text, int timeout_ms) const {
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
      if (out().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  std::string err() const { return slurp(err_); }

  static std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }

 private:
  pid_t pid_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
};

// Waits up to `timeout_ms` for a socket file at `path`.
inline bool wait_for_socket(const std::string& path, int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 20) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace strata::test
