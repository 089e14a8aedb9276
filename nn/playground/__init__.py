"""The training playground: a small MLP learning a 2-D data set, every number
computed by the engine, drawn by a page in the browser.

`Settings` is the whole state of a run (a URL's query or JSON reproduces it);
`Session` runs it step by step and gives the JSON the page draws; `record`
keeps a run's frames in a `Recording`, which saves a self-contained page that
replays it; `serve` starts the local server whose page trains live
(``python -m demos.playground``).

Your own model, recorded in five lines after the imports::

    import nn
    from nn.playground import Session, record

    X, y = nn.datasets.moons(200, noise=0.1, rng=0)
    model = nn.MLP(2, [8, 8, 1], activation="tanh", out_activation="sigmoid", rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.03)
    session = Session.from_model(model, X, y, loss=nn.binary_cross_entropy, optimizer=opt, batch_size=10)
    record(session, steps=300).save("out/my_model.html")
"""

from .recording import Recording, record
from .server import serve
from .session import Session
from .settings import Settings, SettingsError

__all__ = ["Recording", "Session", "Settings", "SettingsError", "record", "serve"]
