using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using StackExchange.Redis.Configuration;
using OpenTelemetry.Trace;

namespace WebFrontend.Services;

/// <summary>
/// The caches this replica may use: every non-empty <c>ConnectionStrings</c> entry, each registered with Aspire's
/// client integration (<c>AddKeyedRedisClient</c>), which binds its <see cref="ConfigurationOptions"/> from
/// <c>ConnectionStrings:{name}</c> and <c>Aspire:StackExchange:Redis:{name}</c>. The multiplexers themselves are
/// opened and closed by <see cref="CacheConnection"/> from those options, and traced by the same OpenTelemetry
/// Redis instrumentation (see WebFrontend/README.md for why not Aspire's keyed singletons).
/// </summary>
public sealed class RedisCaches(IOptionsFactory<ConfigurationOptions> optionsFactory, IReadOnlyList<string> names)
{
    /// <summary>Every configured cache name, sorted.</summary>
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>Whether <paramref name="name"/> is a configured cache.</summary>
    public bool Contains(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// Registers every non-empty <c>ConnectionStrings</c> entry as a cache: Aspire's settings and options binding, and
    /// Redis tracing unless <c>Aspire:StackExchange:Redis:DisableTracing</c> is set. Aspire's own health check and
    /// auto activation are off: a cache that is not started must not make the replica unhealthy, and a replica
    /// starts using none.
    /// </summary>
    public static void AddRedisCaches(IHostApplicationBuilder builder)
    {
        var names = builder.Configuration.GetSection("ConnectionStrings").GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .Select(c => c.Key)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var tracing = false;
        foreach (var name in names)
        {
            // A connection string StackExchange.Redis cannot parse stops the start here, naming it (Aspire's
            // integrations do the same for a missing one); CacheStartup checks the bound options again.
            ParseOrThrow(name, builder.Configuration.GetConnectionString(name)!);
            builder.AddKeyedRedisClient(name, settings =>
            {
                settings.DisableHealthChecks = true;
                settings.DisableAutoActivation = true;
                tracing |= !settings.DisableTracing;
            }, options =>
            {
                // Defaults, which the connection string's own keys (connectTimeout=...) still override.
                options.Defaults = LocalCacheDefaults.Instance;
                // Start or switch to a cache that is still starting: connect in the background, do not throw.
                options.AbortOnConnectFail = false;
                // Without a connection a command fails at once, saying why (refused, NOAUTH), instead of waiting
                // in a backlog: a read then bypasses the cache within its own Cache:Timeout, and /health and the
                // admin API can name the fault.
                options.BacklogPolicy = BacklogPolicy.FailFast;
            });
        }
        if (tracing)
        {
            // Aspire traces only the keyed singletons it creates; CacheConnection hands its own multiplexers to the
            // public instrumentation (same ActivitySource) and takes them back when it closes them.
            builder.Services.AddOpenTelemetry().WithTracing(t => t
                .ConfigureRedisInstrumentation(_ => { })
                .AddInstrumentation(sp => sp.GetRequiredService<StackExchangeRedisInstrumentation>()));
            // Commands become spans when the instrumentation polls its profiling sessions, backing off to this
            // interval when idle (10 s by default): a second keeps a request's Redis spans beside the request's.
            builder.Services.ConfigureAll<StackExchangeRedisInstrumentationOptions>(o => o.FlushInterval = TimeSpan.FromSeconds(1));
        }
        builder.Services.AddSingleton(sp => new RedisCaches(sp.GetRequiredService<IOptionsFactory<ConfigurationOptions>>(), names));
    }

    /// <summary>
    /// A fresh copy of the options of cache <paramref name="name"/>, as Aspire binds them. Throws an error that
    /// names <c>ConnectionStrings:{name}</c> and what to fix when it is not a valid configuration.
    /// </summary>
    public ConfigurationOptions CreateOptions(string name)
    {
        if (!Contains(name))
        {
            throw new CacheConfigurationException(name,
                $"No cache named '{name}': set 'ConnectionStrings:{name}' (environment 'ConnectionStrings__{name}'), or use one of: {string.Join(", ", Names)}.");
        }
        ConfigurationOptions options;
        try
        {
            options = optionsFactory.Create(name);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OptionsValidationException)
        {
            throw Malformed(name, ex);
        }
        if (options.EndPoints.Count == 0)
        {
            throw NoEndpoint(name);
        }
        return options;
    }

    private static void ParseOrThrow(string name, string connectionString)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw Malformed(name, ex);
        }
        if (options.EndPoints.Count == 0)
        {
            throw NoEndpoint(name);
        }
    }

    private static CacheConfigurationException Malformed(string name, Exception ex) => new(name,
        $"'ConnectionStrings:{name}' is not a valid StackExchange.Redis configuration ({ex.Message}); set it like 'host:port[,host:port...],password=...'.", ex);

    private static CacheConfigurationException NoEndpoint(string name) => new(name,
        $"'ConnectionStrings:{name}' names no endpoint; set it like 'host:port[,host:port...],password=...'.");

    /// <summary>Checks every configured cache's options; throws for the first invalid one.</summary>
    public void Validate()
    {
        foreach (var name in Names)
        {
            CreateOptions(name);
        }
    }

    // The caches are local processes: one that has not accepted a connection within 2 s is down, and the first
    // connect (3 attempts) then ends within a switch's 10 s, with the reason, instead of 3 × 5 s later.
    private sealed class LocalCacheDefaults : DefaultOptionsProvider
    {
        public static readonly LocalCacheDefaults Instance = new();

        public override bool AbortOnConnectFail => false;

        public override TimeSpan? ConnectTimeout => TimeSpan.FromSeconds(2);
    }
}
