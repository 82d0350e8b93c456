// The process's standard input, buffered once for everyone: std.io.read_line and
// std.fs.read(0, ...) share the buffer, so mixing them never loses or reorders bytes.
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <string>

namespace strata::stdlib {

// The next line without its '\n' (a final line may lack one); false at end of input.
// Throws nothing: on allocation failure it returns false with *oom set.
bool stdin_read_line(std::string& line, bool* oom);

// Up to n bytes: first what is buffered, else one read(2). Bytes read, 0 at end, or -errno.
ssize_t stdin_read(char* dst, size_t n);

}  // namespace strata::stdlib
