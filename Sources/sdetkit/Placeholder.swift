print("sdetkit")
