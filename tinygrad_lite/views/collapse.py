"""A graph's outermost groups, and the graph with each of them drawn as one box."""

from __future__ import annotations

import heapq
from typing import Any

from .steps import group_title, outer_groups


def outer_group_boxes(order: list) -> list[dict]:
    """The outermost groups of the graph (`steps.outer_groups`): each one's title,
    its nodes' positions in `order` and its output's. None (an empty list)
    unless there are at least two: the page then opens collapsed."""
    found = outer_groups(order)
    if len(found) < 2:  # one group (a single model call) would hide nearly the whole graph: draw it in full
        return []
    index = {id(node): i for i, node in enumerate(order)}
    return [
        {
            "name": group_title(g),
            "path": list(g.path),
            "nodes": [index[id(n)] for n in nodes],
            "output": index[id(out)],
        }
        for g, nodes, out in found
    ]


def collapsed(data: dict, opened: frozenset[int] = frozenset()) -> dict | None:
    """The graph with each outermost group drawn as one box, but for the groups `opened`
    (by their place in ``data["groups"]``), as data for `layout_graph`: the nodes outside
    the closed groups (a node of an opened group tagged ``"cluster": k``, for its frame) and
    one item per closed group (in the place of its output, its parents the boxes outside it
    that its nodes use), with the gradients each box will show; None when the closed groups
    use each other both ways (no order of boxes then)."""
    nodes, groups = data["nodes"], data["groups"]
    item_of: dict[Any, int] = {}  # a plain node i, or ("g", k), -> its place among the boxes
    keys: list[Any] = []
    closed = [None if node.get("group") in opened else node.get("group") for node in nodes]
    for i, k in enumerate(closed):
        if k is None or groups[k]["output"] == i:
            item_of[i if k is None else ("g", k)] = len(keys)
            keys.append(i if k is None else ("g", k))
    box = [item_of[i if k is None else ("g", k)] for i, k in enumerate(closed)]
    parents: list[list[int]] = []
    for key in keys:
        if isinstance(key, int):
            used = nodes[key]["parents"]
        else:
            inside = groups[key[1]]["nodes"]
            used = [p for i in inside for p in nodes[i]["parents"] if closed[p] != key[1]]
        parents.append(list(dict.fromkeys(box[p] for p in used)))
    order = _topological(parents)
    if order is None:
        return None
    place = {item: k for k, item in enumerate(order)}
    items = []
    for item in order:
        key = keys[item]
        if isinstance(key, int):
            entry = {**nodes[key], "node": key}
            if nodes[key].get("group") in opened:
                entry["cluster"] = nodes[key]["group"]
        else:
            group = groups[key[1]]
            out = nodes[group["output"]]
            entry = {
                "name": group["name"],
                "kind": "group",
                "op": "",
                "expr": "",
                "data": out["data"],
                "group": key[1],
                "node": group["output"],
                "size": len(group["nodes"]),
                "output_name": out["name"],
            }
            for key in ("shape", "data_heat"):  # a Tensor's shape, and its heatmap when it is big
                if key in out:
                    entry[key] = out[key]
        entry["parents"] = [place[p] for p in parents[item]]
        items.append(entry)
    drawn = {entry["node"]: k for k, entry in enumerate(items)}  # the nodes whose numbers a box shows
    # every gradient text a box will show (for its width), running totals from steps inside groups too
    shows = [(step["node"], step["grad"]) for step in data["backward"]]
    shows += [(e["parent"], e["total"]) for step in data["backward"] for e in step["edges"]]
    backward = [{"node": drawn[i], "grad": text, "edges": []} for i, text in shows if i in drawn]
    update = [
        {"node": drawn[u["node"]], "new": u["new"]} for u in data.get("update", []) if u["node"] in drawn
    ]
    return {"nodes": items, "backward": backward, "update": update}


def _topological(parents: list[list[int]]) -> list[int] | None:
    """The items in an order where each comes after its parents, as close to their own
    order as that allows; None if there is a cycle."""
    users: list[list[int]] = [[] for _ in parents]
    waiting = [len(ps) for ps in parents]
    for i, ps in enumerate(parents):
        for p in ps:
            users[p].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    return order if len(order) == len(parents) else None
