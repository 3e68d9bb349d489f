print("mlctl")
