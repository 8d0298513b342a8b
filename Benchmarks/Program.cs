using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Benchmarks;

// dotnet run -c Release --project Benchmarks -- article [--network lan|lan-10g|cross-zone] [--network-delay 200us] [--network-rate 1gbit]   [REDIS_SERVERS=h__p,... SOSS_SERVERS=h__p,... for the article's servers]
// dotnet run -c Release --project Benchmarks -- client-vs-redis-benchmark [--requests N] [--rounds N]
// dotnet run -c Release --project Benchmarks -- near-cache-check [--reads N] [--rounds N]
// dotnet run -c Release --project Benchmarks -- network [--samples N] [--rounds N] [--streams N]
return args switch
{
    ["article", .. var rest] => RunArticle(rest),
    ["client-vs-redis-benchmark", .. var rest] => await ClientVsRedisBenchmark.RunAsync(rest),
    ["near-cache-check", .. var rest] => await NearCacheCheckBenchmark.RunAsync(rest),
    ["network", .. var rest] => await NetworkBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int RunArticle(string[] args)
{
    try
    {
        ArticleNetwork.Profile = ArticleNetwork.Parse(args);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }

    // In process (no generated project to build) and short: a run takes a few minutes on two cores.
    var job = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15);
    var config = DefaultConfig.Instance
        .AddJob(job)
        .AddColumn(StatisticColumn.Median)
        .AddColumn(new MedianRatioColumn())
        .AddColumn(new ArticleColumn())
        .WithOptions(ConfigOptions.JoinSummary)
        // The rows of servers the reader runs only when their variables say where they are.
        .AddFilter(new NameFilter(name =>
            !(name.StartsWith("ExternalRedis", StringComparison.Ordinal) && !ExternalServers.IsSet(ExternalServers.Redis))
            && !(name.StartsWith("Soss", StringComparison.Ordinal) && !ExternalServers.IsSet(ExternalServers.Soss))))
        .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "BenchmarkDotNet.Artifacts"));
    var summary = BenchmarkRunner.Run<ArticleBenchmark>(config);
    return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project Benchmarks -- article [--network lan|lan-10g|cross-zone] [--network-delay 200us] [--network-rate 1gbit]");
    Console.Error.WriteLine("       dotnet run -c Release --project Benchmarks -- client-vs-redis-benchmark [--requests N] [--rounds N]");
    Console.Error.WriteLine("       dotnet run -c Release --project Benchmarks -- near-cache-check [--reads N] [--rounds N]");
    Console.Error.WriteLine("       dotnet run -c Release --project Benchmarks -- network [--samples N] [--rounds N] [--streams N]");
    return 2;
}
