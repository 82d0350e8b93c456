// Reads stdin to the end and prints the number of lines and bytes, a checksum, the longest line,
// and the first lines echoed back, upper-cased.
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char line[1024];
  unsigned long lines = 0, bytes = 0, longest = 0;
  unsigned checksum = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strlen(line);
    bytes += len;
    if (len && line[len - 1] == '\n') ++lines;
    if (len > longest) longest = len;
    for (size_t i = 0; i < len; ++i) checksum = checksum * 31 + (unsigned char)line[i];
    if (lines <= 3) {
      for (size_t i = 0; i < len; ++i) line[i] = (char)toupper((unsigned char)line[i]);
      fputs(line, stdout);
    }
  }
  printf("lines=%lu bytes=%lu longest=%lu checksum=%08x eof=%d\n", lines, bytes, longest, checksum,
         feof(stdin) != 0);
  return 0;
}
