// Answers every request with the replica that served it (X-Served-By), so tests can observe the load balancer.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
var instance = Environment.GetEnvironmentVariable("APP_INSTANCE") ?? "unknown";

app.Use(async (context, next) =>
{
    context.Response.Headers["X-Served-By"] = instance;
    await next(context);
});
app.MapGet("/", () => $"echo from {instance}");
app.MapGet("/env/{name}", (string name) => Environment.GetEnvironmentVariable(name) is { } value ? Results.Text(value) : Results.NotFound());
app.MapGet("/slow", async (int? ms) =>
{
    await Task.Delay(Math.Clamp(ms ?? 200, 0, 5000));
    return $"slow echo from {instance}";
});
app.MapGet("/alive", () => "Healthy");
app.MapGet("/health", () => "Healthy");
app.Run();
