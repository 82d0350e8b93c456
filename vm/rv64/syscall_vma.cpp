// VmaMap: an ordered map keyed by start address. Edits split mappings at the range edges first,
// so every operation then works on whole entries.
#include "vm/rv64/syscall_vma.hpp"

namespace strata::vm::rv64 {

std::map<uint64_t, Vma>::const_iterator VmaMap::first_overlap(uint64_t addr) const {
  auto it = map_.upper_bound(addr);
  if (it != map_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > addr) return prev;
  }
  return it;
}

void VmaMap::split_at(uint64_t addr) {
  auto it = map_.upper_bound(addr);
  if (it == map_.begin()) return;
  --it;
  if (it->first == addr || it->second.end <= addr) return;
  Vma tail = it->second;
  it->second.end = addr;
  map_.emplace(addr, tail);
}

bool VmaMap::remove(uint64_t start, uint64_t end) {
  if (start >= end) return false;
  split_at(start);
  split_at(end);
  bool any = false;
  for (auto it = map_.lower_bound(start); it != map_.end() && it->first < end;) {
    it = map_.erase(it);
    any = true;
  }
  return any;
}

bool VmaMap::insert(uint64_t start, uint64_t end, Vma attrs) {
  const bool replaced = remove(start, end);
  attrs.end = end;
  if (start < end) map_.emplace(start, attrs);
  coalesce(start, end);
  return replaced;
}

bool VmaMap::covered(uint64_t start, uint64_t end) const {
  uint64_t at = start;
  for (auto it = first_overlap(start); it != map_.end() && at < end; ++it) {
    if (it->first > at) return false;
    at = it->second.end;
  }
  return at >= end;
}

bool VmaMap::overlaps(uint64_t start, uint64_t end) const {
  auto it = first_overlap(start);
  return it != map_.end() && it->first < end;
}

void VmaMap::set_perms(uint64_t start, uint64_t end, uint32_t perms) {
  split_at(start);
  split_at(end);
  for (auto it = map_.lower_bound(start); it != map_.end() && it->first < end; ++it)
    it->second.perms = perms;
  coalesce(start, end);
}

void VmaMap::coalesce(uint64_t start, uint64_t end) {
  auto it = map_.lower_bound(start);
  if (it != map_.begin()) --it;
  while (it != map_.end() && it->first <= end) {
    auto next = std::next(it);
    if (next != map_.end() && next->first == it->second.end &&
        next->second.perms == it->second.perms && next->second.anon == it->second.anon &&
        next->second.share == it->second.share &&
        next->second.write_denied == it->second.write_denied) {
      it->second.end = next->second.end;
      map_.erase(next);
    } else {
      it = next;
    }
  }
}

std::optional<std::pair<uint64_t, Vma>> VmaMap::find(uint64_t addr) const {
  auto it = first_overlap(addr);
  if (it == map_.end() || it->first > addr) return std::nullopt;
  return *it;
}

std::optional<uint64_t> VmaMap::find_free(uint64_t len, uint64_t floor, uint64_t ceiling) const {
  if (len == 0 || ceiling < floor || ceiling - floor < len) return std::nullopt;
  // Walk the mappings downwards from the ceiling; `hole_end` is the top of the current hole.
  uint64_t hole_end = ceiling;
  auto it = map_.lower_bound(ceiling);
  while (true) {
    uint64_t hole_start = floor;
    if (it != map_.begin()) {
      auto prev = std::prev(it);
      if (prev->second.end > floor)
        hole_start = prev->second.end < hole_end ? prev->second.end : hole_end;
    }
    if (hole_end >= hole_start && hole_end - hole_start >= len) return hole_end - len;
    if (it == map_.begin()) return std::nullopt;
    --it;
    if (it->first <= floor) return std::nullopt;
    hole_end = it->first < hole_end ? it->first : hole_end;
  }
}

}  // namespace strata::vm::rv64
