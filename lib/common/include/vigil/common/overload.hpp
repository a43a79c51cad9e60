// SPDX-License-Identifier: GPL-2.0-or-later
// Overload: one visitor for std::visit made of several lambdas, one per
// alternative ("the overloaded pattern").
#pragma once

namespace vigil {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace vigil
