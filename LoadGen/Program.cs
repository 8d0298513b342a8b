using LoadGen.Api;
using LoadGen.Cli;

// One program, two faces: `run` / `compare` is the command line; anything else (the AppHost's launch) is the service.
if (LoadGenCli.IsCommand(args))
{
    return await LoadGenCli.InvokeAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddLoadGenService(builder.Configuration);

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapLoadApi();

await app.RunAsync();
return 0;

/// <summary>The entry point; public so functional tests can host the service.</summary>
public partial class Program;
