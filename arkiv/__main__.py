from arkiv.cli import main

main()
