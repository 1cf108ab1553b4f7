# @include escape_setsid_daemon.py
# @include _escape_chain.py
# @include _escape_files.py
