#!/bin/sh
# runs as root, every few seconds
cd /work/uploads && tar cf /tmp/uploads.tar *
