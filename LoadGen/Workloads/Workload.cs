using System.Text.Json.Serialization;

namespace LoadGen.Workloads;

/// <summary>
/// What LoadGen sends and how: the request mix, the product popularity, the pacing and the time window.
/// The same type is the JSON body of <c>POST /api/load/start</c> and is built from the CLI options.
/// </summary>
public sealed record Workload
{
    /// <summary>The highest open-loop rate accepted, in requests per second.</summary>
    public const double MaxRate = 100_000;

    /// <summary>The load balancer's base URL: reads and writes go through it. Null in the service means the configured one.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>CatalogApi's base URL, read for the database load (<c>GET /api/catalog/stats</c>). Optional.</summary>
    public string? CatalogUrl { get; init; }

    /// <summary>Open loop (target rate) or closed loop (back to back).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<LoadMode>))]
    public LoadMode Mode { get; init; } = LoadMode.Open;

    /// <summary>Target requests per second in open loop (ignored in closed loop).</summary>
    public double Rate { get; init; } = 500;

    /// <summary>Virtual clients: the most requests in flight at once, and the size of the connection pool.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Share of reads in the mix, 0..1 (default 0.95: 95 % reads, 5 % price writes).</summary>
    public double ReadRatio { get; init; } = 0.95;

    /// <summary>Zipf exponent of product popularity: 0 is uniform, 0.99 is the classic skew of web caches.</summary>
    public double ZipfSkew { get; init; } = 0.99;

    /// <summary>Products are ids 1..ProductCount (the seeded catalog has 10 000).</summary>
    public int ProductCount { get; init; } = 10_000;

    /// <summary>Measured time in seconds after the warm-up; 0 runs until stopped.</summary>
    public double DurationSeconds { get; init; } = 30;

    /// <summary>Warm-up in seconds: traffic is sent but not counted in the run's figures.</summary>
    public double WarmupSeconds { get; init; } = 5;

    /// <summary>Per-request timeout in seconds; a request that takes longer counts as a "timeout" error.</summary>
    public double TimeoutSeconds { get; init; } = 10;

    /// <summary>
    /// When true each virtual client keeps its own cookie container (and connection), so a cookie-sticky load
    /// balancer pins it to one replica; when false no cookies are kept at all.
    /// </summary>
    public bool Sticky { get; init; }

    /// <summary>Seed of the random choices (product, read or write, price), so a run can be repeated.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The warm-up as a time span.</summary>
    [JsonIgnore]
    public TimeSpan Warmup => TimeSpan.FromSeconds(WarmupSeconds);

    /// <summary>The measured duration as a time span (<see cref="TimeSpan.Zero"/>: until stopped).</summary>
    [JsonIgnore]
    public TimeSpan Duration => TimeSpan.FromSeconds(DurationSeconds);

    /// <summary>
    /// Checks every value and returns the problems by field name (camelCase, as in the JSON body); empty when valid.
    /// </summary>
    public Dictionary<string, string[]> Validate(bool requireBaseUrl = true)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [message];

        if (BaseUrl is null)
        {
            if (requireBaseUrl)
            {
                Add("baseUrl", "A base URL is required, e.g. http://127.0.0.1:8080 (the load balancer).");
            }
        }
        else if (!IsHttpUrl(BaseUrl))
        {
            Add("baseUrl", $"'{BaseUrl}' is not an absolute http(s) URL, e.g. http://127.0.0.1:8080.");
        }

        if (CatalogUrl is not null && !IsHttpUrl(CatalogUrl))
        {
            Add("catalogUrl", $"'{CatalogUrl}' is not an absolute http(s) URL, e.g. http://127.0.0.1:5100.");
        }

        if (!Enum.IsDefined(Mode))
        {
            Add("mode", "The mode must be 'open' (target rate) or 'closed' (back to back).");
        }

        // 100,000/s is far beyond what two cores can send through the LB (~20,000/s closed loop, README): a higher
        // figure is a typo, and an open loop would only queue it.
        if (Mode == LoadMode.Open && !(Rate > 0 && Rate <= MaxRate))
        {
            Add("rate", $"The rate must be greater than 0 and at most {MaxRate:N0} requests per second in open loop.");
        }

        if (Concurrency is < 1 or > 10_000)
        {
            Add("concurrency", "The concurrency must be between 1 and 10000 virtual clients.");
        }

        if (!(ReadRatio >= 0 && ReadRatio <= 1))
        {
            Add("readRatio", "The read ratio must be between 0 and 1 (0.95 means 95 % reads).");
        }

        if (!(ZipfSkew >= 0 && ZipfSkew <= 10))
        {
            Add("zipfSkew", "The Zipf skew must be between 0 (uniform) and 10; 0.99 is typical.");
        }

        if (ProductCount is < 1 or > 10_000_000)
        {
            Add("productCount", "The product count must be between 1 and 10000000 (the seeded catalog has 10000).");
        }

        if (!(DurationSeconds >= 0 && DurationSeconds <= 86_400))
        {
            Add("durationSeconds", "The duration must be between 0 (until stopped) and 86400 seconds.");
        }

        if (!(WarmupSeconds >= 0 && WarmupSeconds <= 3_600))
        {
            Add("warmupSeconds", "The warm-up must be between 0 and 3600 seconds.");
        }

        if (!(TimeoutSeconds > 0 && TimeoutSeconds <= 300))
        {
            Add("timeoutSeconds", "The timeout must be greater than 0 and at most 300 seconds.");
        }

        return errors;
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
