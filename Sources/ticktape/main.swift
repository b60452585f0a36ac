import TicktapeCLI

await Ticktape.main()
