import os
import sys

from pipeline.cli import main

code = main()
if code == 130:  # interrupted: exit at once, without waiting on worker pools or a Dask cluster at exit
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
