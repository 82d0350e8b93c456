#include "tools/strata/monitor/line_reader.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#ifdef STRATA_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace strata::monitor {

LineReader::LineReader(int fd)
    : tty_(isatty(fd) == 1), in_(fd == STDIN_FILENO ? stdin : fdopen(fd, "r")) {}

LineReader::~LineReader() {
  std::free(buf_);
  if (in_ != nullptr && in_ != stdin) std::fclose(in_);
}

std::optional<std::string> LineReader::read(const char* prompt) {
#ifdef STRATA_HAVE_LIBEDIT
  if (tty_) {
    char* line = readline(prompt);
    if (line == nullptr) return std::nullopt;
    std::string s(line);
    std::free(line);
    if (!s.empty()) add_history(s.c_str());
    return s;
  }
#endif
  if (tty_) {
    std::fputs(prompt, stdout);
    std::fflush(stdout);
  }
  if (in_ == nullptr) return std::nullopt;
  const ssize_t n = getline(&buf_, &cap_, in_);
  if (n < 0) return std::nullopt;
  std::string s(buf_, static_cast<size_t>(n));
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

}  // namespace strata::monitor
