using Benchmarks;

// dotnet run -c Release --project Benchmarks -- client-vs-redis-benchmark [--requests N] [--rounds N]
return args switch
{
    ["client-vs-redis-benchmark", .. var rest] => await ClientVsRedisBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project Benchmarks -- client-vs-redis-benchmark [--requests N] [--rounds N]");
    return 2;
}
