# @include _liars.py
