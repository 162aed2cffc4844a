// aib/core/types.hpp — the matrix and vector types every header uses.
//
// Row-major storage: one token (or sample) per row, features in columns, Y = X·W with W of
// shape (D_in, D_out). `Mat` is float, the working precision; `MatD` is double, used by gradient
// checks and reference comparisons. `MatT<S>` names either from a template.
// Leaves out: fixed-size types (every shape here is known only at run time).
#pragma once

#include <Eigen/Core>

namespace aib {

using Index = Eigen::Index;

template <class S>
using MatT = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using VecT = Eigen::Matrix<S, Eigen::Dynamic, 1>;  // column vector
template <class S>
using RowVecT = Eigen::Matrix<S, 1, Eigen::Dynamic, Eigen::RowMajor>;

using Mat = MatT<float>;        // (rows, cols), row-major
using Vec = VecT<float>;        // (n)
using RowVec = RowVecT<float>;  // (1, n)
using MatD = MatT<double>;
using VecD = VecT<double>;
using RowVecD = RowVecT<double>;

}  // namespace aib
