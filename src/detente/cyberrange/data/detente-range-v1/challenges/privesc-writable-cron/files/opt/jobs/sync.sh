#!/bin/sh
# housekeeping
find /tmp -name '*.tmp' -mmin +60 -delete 2>/dev/null
