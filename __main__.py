"""``python -m ccare``: run the command line."""

from ccare.cli import main

if __name__ == "__main__":
    main()
