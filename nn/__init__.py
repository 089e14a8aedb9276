"""nn: neural-network building blocks on top of `tinygrad_lite.Tensor`.

Modules, layers, losses, optimizers and `fit` arrive with the nn issue; the
package exists now so that installing the project gives both top-level
packages.
"""
