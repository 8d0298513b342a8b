using LoadGen.Api;
using LoadGen.Cli;
using LoadGen.Lab;

// One program, two faces: `run` / `compare` is the command line; anything else (the AppHost's launch) is the service.
if (LoadGenCli.IsCommand(args))
{
    return await LoadGenCli.InvokeAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddLab(builder.Configuration);
builder.Services.AddLoadGenService(builder.Configuration);
builder.Services.AddRazorPages();

var app = builder.Build();
// The page's buttons start load and kill masters: only pages of this origin, addressed by a loopback name, may press them.
app.UseLoopbackOnly();
app.UseStaticFiles();
app.MapDefaultEndpoints();
app.MapLoadApi();
app.MapLabApi();
app.MapRazorPages();

await app.RunAsync();
return 0;

/// <summary>The entry point; public so functional tests can host the service.</summary>
public partial class Program;
