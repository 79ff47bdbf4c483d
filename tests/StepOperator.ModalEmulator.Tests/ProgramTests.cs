using System.Diagnostics;
using System.Text.Json;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>The emulator as a program: a JSON line when ready, then serving until SIGTERM.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task The_program_prints_its_URLs_serves_and_stops_on_SIGTERM()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EmulatorDll(), "--port", "0", "--http-port", "0", "--token-id", "ak-program", "--token-secret", "as-program" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(line is null, "No ready line; stderr: " + (process.HasExited ? await errors : string.Empty));
            using var ready = JsonDocument.Parse(line!);
            var grpcUrl = ready.RootElement.GetProperty("grpcUrl").GetString()!;
            var requestsUrl = ready.RootElement.GetProperty("requestsUrl").GetString()!;
            Assert.Matches(@"^http://127\.0\.0\.1:\d+$", grpcUrl);
            Assert.Matches(@"^https://127\.0\.0\.1:\d+$", ready.RootElement.GetProperty("routerUrl").GetString()!);

            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(grpcUrl);
            var client = new ModalClient.ModalClientClient(channel);
            var headers = new Grpc.Core.Metadata
            {
                { "x-modal-client-version", "1.0.0" },
                { "x-modal-token-id", "ak-program" },
                { "x-modal-token-secret", "as-program" },
            };
            var token = await client.AuthTokenGetAsync(new AuthTokenGetRequest(), headers);
            Assert.Equal(3, token.Token.Split('.').Length);

            using var http = new HttpClient();
            using var requests = JsonDocument.Parse(await http.GetStringAsync(requestsUrl));
            var recorded = Assert.Single(requests.RootElement.EnumerateArray());
            Assert.Equal("AuthTokenGet", recorded.GetProperty("rpc").GetString());
            Assert.Equal("<masked>", recorded.GetProperty("headers").GetProperty("x-modal-token-secret").GetString());

            using var terminate = Process.Start("kill", ["-TERM", process.Id.ToString()]);
            await terminate.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The emulator program, copied beside this test assembly with its runtimeconfig and deps files.</summary>
    private static string EmulatorDll()
    {
        var path = typeof(ModalEmulator).Assembly.Location;
        Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"{path} has no runtimeconfig.json beside it.");
        return path;
    }
}
