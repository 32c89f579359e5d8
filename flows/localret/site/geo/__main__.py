"""python -m localret.site.geo [DEST]: regenerate the map geometry (default: the committed catalunya.json)."""

import sys

from localret.site.geo import main

sys.exit(main(sys.argv[1:]))
