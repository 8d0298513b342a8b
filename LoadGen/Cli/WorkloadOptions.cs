using System.CommandLine;
using LoadGen.Workloads;

namespace LoadGen.Cli;

/// <summary>The workload options <c>run</c> and <c>compare</c> share, and how they become a <see cref="Workload"/>.</summary>
internal sealed class WorkloadOptions
{
    private static readonly Workload s_defaults = new();

    public Option<TimeSpan> Duration { get; } = DurationOption("--duration", s_defaults.Duration, "Measured time after the warm-up (30s, 2m, ...).");

    public Option<TimeSpan> Warmup { get; } = DurationOption("--warmup", s_defaults.Warmup, "Traffic sent before measuring, not counted.");

    public Option<double> Rate { get; } = new("--rate") { Description = "Target requests/s in open loop.", DefaultValueFactory = _ => s_defaults.Rate };

    public Option<int> Concurrency { get; } = new("--concurrency", "-c") { Description = "Virtual clients (requests in flight at most, and pooled connections).", DefaultValueFactory = _ => s_defaults.Concurrency };

    public Option<double> ReadRatio { get; } = new("--read-ratio") { Description = "Share of reads, 0..1; the rest are price writes.", DefaultValueFactory = _ => s_defaults.ReadRatio };

    public Option<double> Zipf { get; } = new("--zipf") { Description = "Zipf skew of product popularity (0 = uniform).", DefaultValueFactory = _ => s_defaults.ZipfSkew };

    public Option<int> Products { get; } = new("--products") { Description = "Product ids are 1..N (the seeded catalog has 10000).", DefaultValueFactory = _ => s_defaults.ProductCount };

    public Option<string> Mode { get; } = CreateMode();

    public Option<TimeSpan> Timeout { get; } = DurationOption("--timeout", TimeSpan.FromSeconds(s_defaults.TimeoutSeconds), "Per-request timeout; slower requests count as 'timeout' errors.");

    public Option<bool> Sticky { get; } = new("--sticky") { Description = "Each virtual client keeps its own cookies (for a cookie-sticky load balancer)." };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the random choices, to repeat a run.", DefaultValueFactory = _ => s_defaults.Seed };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Duration, Warmup, Rate, Concurrency, ReadRatio, Zipf, Products, Mode, Timeout, Sticky, Seed })
        {
            command.Add(option);
        }
    }

    public Workload Build(ParseResult result, string? baseUrl, string? catalogUrl) => new()
    {
        BaseUrl = baseUrl,
        CatalogUrl = catalogUrl,
        DurationSeconds = result.GetValue(Duration).TotalSeconds,
        WarmupSeconds = result.GetValue(Warmup).TotalSeconds,
        Rate = result.GetValue(Rate),
        Concurrency = result.GetValue(Concurrency),
        ReadRatio = result.GetValue(ReadRatio),
        ZipfSkew = result.GetValue(Zipf),
        ProductCount = result.GetValue(Products),
        Mode = result.GetValue(Mode) == "closed" ? LoadMode.Closed : LoadMode.Open,
        TimeoutSeconds = result.GetValue(Timeout).TotalSeconds,
        Sticky = result.GetValue(Sticky),
        Seed = result.GetValue(Seed),
    };

    private static Option<string> CreateMode()
    {
        var option = new Option<string>("--mode")
        {
            Description = "open: requests at the target rate, latency from the intended start; closed: back to back.",
            DefaultValueFactory = _ => "open",
        };
        option.AcceptOnlyFromAmong("open", "closed");
        return option;
    }

    private static Option<TimeSpan> DurationOption(string name, TimeSpan defaultValue, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DurationParser.TryParse(text, out var duration))
            {
                return duration;
            }

            result.AddError($"'{text}' is not a duration for {name}: use 30s, 2m, 500ms, 1h or a number of seconds.");
            return defaultValue;
        },
    };
}
