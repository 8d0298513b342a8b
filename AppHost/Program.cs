Console.WriteLine("AppHost: not yet composed.");
