#pragma once
// An enum's names as one table read both ways, instead of a switch that
// returns strings next to a chain of comparisons that parses them. The
// names are string literals, so name_of(...).data() is NUL-terminated.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace dvs {

template <class E>
struct Named {
    E value;
    std::string_view name;
};

template <class E, std::size_t N>
using NameTable = std::array<Named<E>, N>;

// The name of `value`, or `fallback` for a value the table lacks.
template <class E, std::size_t N>
constexpr std::string_view name_of(const NameTable<E, N>& table, E value,
                                   std::string_view fallback = "?") {
    for (const Named<E>& n : table) {
        if (n.value == value) return n.name;
    }
    return fallback;
}

template <class E, std::size_t N>
constexpr std::optional<E> value_of(const NameTable<E, N>& table, std::string_view name) {
    for (const Named<E>& n : table) {
        if (n.name == name) return n.value;
    }
    return std::nullopt;
}

}  // namespace dvs
