print("pumpsim")
