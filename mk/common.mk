# common/: tiny helpers shared by every component (TAP for unit tests).
