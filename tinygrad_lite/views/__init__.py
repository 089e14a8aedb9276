"""The views: everything that shows a graph (`draw_graph`, the step-through, `explain`'s page).

They only read the engine's graphs: nothing in `autograd`, `value`, `tensor` or the ops
imports a view.
"""
