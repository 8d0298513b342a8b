var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseReplicaHeaders();
app.MapDefaultEndpoints();
app.MapProductsApi();
app.MapAdminApi();
app.MapRazorPages();

app.Run();
