// The guest's mappings: page-aligned, non-overlapping [start, end) ranges with their permissions,
// whether they are anonymous (MADV_DONTNEED zeroes the private ones) and whether they are shared
// (MAP_SHARED: host pages of a file or memfd, see GuestMemory::map_shared). Everything the guest
// can see is in here: the ELF segments, the brk heap, the stack and every mmap; the mmap allocator
// looks for holes in it and mprotect/mremap refuse ranges it does not cover.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace strata::vm::rv64 {

struct Vma {
  uint64_t end = 0;
  uint32_t perms = 0;  // kPermRead | kPermWrite | kPermExec
  bool anon = true;
  // 0: private. Else the id of the MAP_SHARED mapping this is (a piece of): pieces of one mapping
  // join again, two mappings never do (mremap must not span them).
  uint32_t share = 0;
  // A shared mapping of a file not open for writing: mprotect may not add PROT_WRITE (EACCES).
  bool write_denied = false;
};

class VmaMap {
 public:
  // Maps [start, end), replacing whatever overlapped it. Returns true if something did.
  bool insert(uint64_t start, uint64_t end, uint32_t perms, bool anon) {
    Vma v;
    v.perms = perms;
    v.anon = anon;
    return insert(start, end, v);
  }
  // The same with every attribute of `attrs` (its end is ignored).
  bool insert(uint64_t start, uint64_t end, Vma attrs);
  // Unmaps [start, end) (splitting mappings at the edges). Returns true if anything was mapped.
  bool remove(uint64_t start, uint64_t end);
  // True when every page of [start, end) is mapped.
  bool covered(uint64_t start, uint64_t end) const;
  // True when some page of [start, end) is mapped.
  bool overlaps(uint64_t start, uint64_t end) const;
  // Changes the permissions of [start, end), which must be covered().
  void set_perms(uint64_t start, uint64_t end, uint32_t perms);
  // The mapping holding `addr`, with its start.
  std::optional<std::pair<uint64_t, Vma>> find(uint64_t addr) const;
  // The highest hole of `len` bytes inside [floor, ceiling), or nullopt.
  std::optional<uint64_t> find_free(uint64_t len, uint64_t floor, uint64_t ceiling) const;

  template <typename F>
  void for_each_in(uint64_t start, uint64_t end, F&& f) const {
    for (auto it = first_overlap(start); it != map_.end() && it->first < end; ++it) {
      const uint64_t s = it->first > start ? it->first : start;
      const uint64_t e = it->second.end < end ? it->second.end : end;
      if (s < e) f(s, e, it->second);
    }
  }

 private:
  std::map<uint64_t, Vma>::const_iterator first_overlap(uint64_t addr) const;
  void split_at(uint64_t addr);
  // Joins touching mappings with equal attributes around [start, end), so that one mapping made
  // in pieces (brk, mremap growing in place) is one mapping again, as mremap requires.
  void coalesce(uint64_t start, uint64_t end);
  std::map<uint64_t, Vma> map_;
};

}  // namespace strata::vm::rv64
