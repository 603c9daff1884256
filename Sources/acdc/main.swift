print("acdc")
