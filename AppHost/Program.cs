using AppHost;
using Hosting;

// The whole sample as local processes:
// ./run.sh [--topology single] [--lb-port 8080] [--dashboard-port 18888] [--state-dir .apphost]
try
{
    var builder = DistributedApplication.CreateBuilder(args);
    SampleApplication.Compose(builder, SampleApplication.ParseTopology(args));
    await builder.Build().RunAsync();
}
catch (DistributedApplicationException ex)
{
    ConsoleLogWriter.WriteError(ex.Message);
    return 2;
}
return Environment.ExitCode;
