using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Tasks;

namespace StepOperator.ModalEmulator;

/// <summary>
/// dotnet StepOperator.ModalEmulator.dll [--port N] [--http-port M] [--router-port R] [--token-id X] [--token-secret Y]
///     [--auth-token-lifetime SECONDS] [--command-router-token-lifetime SECONDS] [--image-builder-version V]
/// Prints one JSON line {"grpcUrl":...,"httpUrl":...,"requestsUrl":...,"routerUrl":...,"tokenId":...} once it serves,
/// logs to stderr, and runs until SIGTERM or Ctrl-C (then removes its containers).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ModalEmulatorOptions options;
        try
        {
            options = ParseArguments(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nUsage: StepOperator.ModalEmulator [--port N] [--http-port M] [--router-port R] [--token-id X] [--token-secret Y] [--auth-token-lifetime SECONDS] [--command-router-token-lifetime SECONDS] [--image-builder-version V]").ConfigureAwait(false);
            return 2;
        }

        options.Log = line => Console.Error.WriteLine(line);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        await using var emulator = await ModalEmulator.StartAsync(options).ConfigureAwait(false);
        var ready = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["grpcUrl"] = emulator.Url.ToString().TrimEnd('/'),
            ["httpUrl"] = emulator.HttpUrl.ToString().TrimEnd('/'),
            ["requestsUrl"] = emulator.RequestsUrl.ToString(),
            ["routerUrl"] = emulator.RouterUrl.ToString().TrimEnd('/'),
            ["tokenId"] = emulator.TokenId,
        });
        Console.Out.WriteLine(ready);
        Console.Out.Flush();

        await stop.Task.ConfigureAwait(false);
        return 0;

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // stop in order (containers removed) instead of dying at once
            stop.TrySetResult();
        }
    }

    private static ModalEmulatorOptions ParseArguments(string[] args)
    {
        var options = new ModalEmulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new FormatException("A Modal emulator (gRPC on 127.0.0.1).");
            }

            if (i + 1 >= args.Length)
            {
                throw new FormatException($"{name} needs a value.");
            }

            var value = args[++i];
            switch (name)
            {
                case "--port":
                    options.Port = Port(name, value);
                    break;
                case "--http-port":
                    options.HttpPort = Port(name, value);
                    break;
                case "--router-port":
                    options.RouterPort = Port(name, value);
                    break;
                case "--command-router-token-lifetime":
                    options.CommandRouterTokenLifetime = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--token-id":
                    options.TokenId = value;
                    break;
                case "--token-secret":
                    options.TokenSecret = value;
                    break;
                case "--auth-token-lifetime":
                    options.AuthTokenLifetime = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--image-builder-version":
                    options.ImageBuilderVersion = value;
                    break;
                default:
                    throw new FormatException($"Unknown option {name}.");
            }
        }

        return options;
    }

    private static int Port(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException($"{name} must be a port number (0 for any free one), not '{value}'.");
}
