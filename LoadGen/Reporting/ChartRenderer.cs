using System.ComponentModel;
using System.Diagnostics;

namespace LoadGen.Reporting;

/// <summary>
/// Draws <c>chart.svg</c> from <c>results.json</c> with Vega-Lite, through node and <c>LoadGen/chart/render.mjs</c>.
/// It fails soft: without node or its packages the report is still written, and the message says what to install.
/// </summary>
public static class ChartRenderer
{
    /// <summary>Renders the chart; returns the SVG path, or null with a message saying why not.</summary>
    /// <param name="resultsJson">The results.json to draw.</param>
    /// <param name="outputSvg">Where to write the SVG.</param>
    /// <param name="chartDirectory">The folder of render.mjs and its node_modules (default: found from the app folder or <c>LOADGEN_CHART_DIR</c>).</param>
    /// <param name="node">The node executable (default <c>node</c> on the PATH).</param>
    /// <param name="cancellationToken">Cancels the render.</param>
    public static async Task<(string? Svg, string Message)> RenderAsync(
        string resultsJson, string outputSvg, string? chartDirectory = null, string node = "node", CancellationToken cancellationToken = default)
    {
        var folder = chartDirectory ?? FindChartDirectory();
        if (folder is null || !File.Exists(Path.Combine(folder, "render.mjs")))
        {
            return (null, "No chart: LoadGen/chart/render.mjs was not found (set LOADGEN_CHART_DIR to that folder).");
        }

        if (!Directory.Exists(Path.Combine(folder, "node_modules", "vega-lite")))
        {
            return (null, $"No chart: the chart packages are not installed; run `npm ci` in {folder} (eng/prerequisites.sh does it).");
        }

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = folder,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("render.mjs");
        start.ArgumentList.Add(Path.GetFullPath(resultsJson));
        start.ArgumentList.Add(Path.GetFullPath(outputSvg));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("not started");
        }
        catch (Win32Exception)
        {
            return (null, $"No chart: '{node}' (Node.js) was not found; install Node.js 18+ and run `npm ci` in {folder}. results.md and results.json were written.");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 || !File.Exists(outputSvg))
            {
                return (null, $"No chart: the renderer failed (exit {process.ExitCode}): {(await stderr).Trim()}");
            }
        }

        return (outputSvg, "Chart written: " + outputSvg);
    }

    private static string? FindChartDirectory()
    {
        if (Environment.GetEnvironmentVariable("LOADGEN_CHART_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        // bin/Release/net10.0 of LoadGen, or anywhere in the repository (the current folder, e.g. `dotnet run` from the root).
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "chart"), Path.Combine(dir.FullName, "LoadGen", "chart") })
                {
                    if (File.Exists(Path.Combine(candidate, "render.mjs")))
                    {
                        return candidate;
                    }
                }
            }
        }

        return null;
    }
}
