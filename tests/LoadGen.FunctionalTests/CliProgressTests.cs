using System.Diagnostics;

namespace LoadGen.FunctionalTests;

/// <summary>The CLI as a person's CI log sees it: a separate process whose output is redirected.</summary>
public class CliProgressTests
{
    [Fact]
    public async Task WithRedirectedOutputTheRunPrintsPlainProgressLinesThenTheTable()
    {
        await using var fake = await FakeStorefront.StartAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", typeof(Program).Assembly.Location, "run", "-u", fake.BaseUrl, "--duration", "5s", "--warmup", "0", "--rate", "100", "-c", "4", "--products", "50" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = await output;
        Assert.True(process.ExitCode == 0, text + await errors);
        var lines = text.Split('\n', StringSplitOptions.TrimEntries);
        // No cursor movement or colour: a log shows exactly these lines.
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains(lines, l => l.StartsWith(fake.BaseUrl + ": started, open loop 100/s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(fake.BaseUrl + ": running", StringComparison.Ordinal) && l.Contains("reads/s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(fake.BaseUrl + ": done in", StringComparison.Ordinal));
        Assert.Contains("hit ratio", text);
    }
}
