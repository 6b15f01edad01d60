// callable_traits<F>: the parameter and result types of a non-generic callable (a
// function pointer, a member function pointer, or a lambda / class with one
// non-template operator()). Keyed operators use it to learn a user's state type from
// the parameter list, as Bytewax learns it from the values a function returns.
// A callable without one such signature (a generic `auto` lambda, an overload set)
// has empty traits: `HasSignature<F>` is false, so an operator can say so in a
// static_assert at its entry point instead of failing inside this file.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>

namespace sluice::detail {

template <class R, class... A>
struct signature {
  using result = R;
  using args = std::tuple<A...>;
  static constexpr std::size_t arity = sizeof...(A);
  template <std::size_t I>
  using arg = std::tuple_element_t<I, args>;
};

// Empty unless F has one call signature (the specializations below).
template <class F, class = void>
struct callable_traits {};

// References, cv-qualified types and function types: those of the decayed type.
template <class F>
requires(!std::is_same_v<F, std::decay_t<F>>) struct callable_traits<F>
    : callable_traits<std::decay_t<F>> {
};
// A class with one non-template operator().
template <class F>
requires std::is_class_v<F> && std::is_same_v<F, std::decay_t<F>> && requires {
  &F::operator();
}
struct callable_traits<F> : callable_traits<decltype(&F::operator())> {};

template <class R, class... A>
struct callable_traits<R (*)(A...)> : signature<R, A...> {};
template <class R, class... A>
struct callable_traits<R (*)(A...) noexcept> : signature<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...)> : signature<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) const> : signature<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) noexcept> : signature<R, A...> {};
template <class R, class C, class... A>
struct callable_traits<R (C::*)(A...) const noexcept> : signature<R, A...> {};

// F has one call signature whose parameter types can be read (not a generic lambda).
template <class F>
concept HasSignature = requires {
  typename callable_traits<F>::result;
};

template <class F, std::size_t I>
using arg_t = std::remove_cvref_t<typename callable_traits<F>::template arg<I>>;

template <class F>
inline constexpr std::size_t arity_v = callable_traits<F>::arity;

template <class T>
struct optional_value {};
template <class T>
struct optional_value<std::optional<T>> {
  using type = T;
};

// The state type S of a logic builder whose last parameter is std::optional<S>.
template <class Build>
using builder_state_t = typename optional_value<arg_t<Build, arity_v<Build> - 1>>::type;

}  // namespace sluice::detail
