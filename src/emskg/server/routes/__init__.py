"""The HTTP routes, each module a leaf that only the app factory (:mod:`emskg.server.app`) imports."""
