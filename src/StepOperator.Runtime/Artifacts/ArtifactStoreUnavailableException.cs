using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using StepOperator.Components;

namespace StepOperator.Artifacts;

/// <summary>
/// An artifact store that a run cannot use (unreachable, credentials refused, bucket or container missing or
/// misnamed), found by <see cref="IArtifactStore.CheckAsync"/> before anything starts. The message is one line
/// that names the store, the problem and the fix; it never holds a secret.
/// </summary>
public sealed class ArtifactStoreUnavailableException : IOException
{
    /// <param name="location">The store's location (never a secret).</param>
    /// <param name="problem">What is wrong, as a clause: "is not reachable at http://... (Connection refused)".</param>
    /// <param name="settings">The settings that fix it, as options of the store's update command: "--endpoint=&lt;url&gt;".</param>
    /// <param name="advice">What else to do, if anything ("start the service"), said before the command.</param>
    /// <param name="inner">What the service or the connection said.</param>
    public ArtifactStoreUnavailableException(string location, string problem, string settings, string? advice = null, Exception? inner = null)
        : base(null, inner)
    {
        Location = location;
        Problem = problem;
        Settings = settings;
        Advice = advice;
    }

    public string Location { get; }

    public string Problem { get; }

    public string Settings { get; }

    public string? Advice { get; }

    /// <summary>The store's registered name, when it is known: the fix is then its update command.</summary>
    public string? StoreName { get; private init; }

    public override string Message => StoreName is { } name
        ? $"Artifact store '{name}' ({Shown}) {Problem}. Fix: {(Advice is null ? string.Empty : Advice + ", or ")}{ProgramCommands.Prefix} artifact-store update {name} {Settings}"
        : $"The artifact store at {Shown} {Problem}. Fix: {(Advice is null ? string.Empty : Advice + ", or ")}change its settings ({Settings})";

    /// <summary>The location as people read it: its query (endpoint, region) unescaped.</summary>
    private string Shown => Uri.UnescapeDataString(Location);

    /// <summary>The same problem, told about the store registered as <paramref name="storeName"/>.</summary>
    public ArtifactStoreUnavailableException Named(string storeName) =>
        new(Location, Problem, Settings, Advice, InnerException) { StoreName = storeName };

    /// <summary>The first line of a service's message, without its closing period, for a one-line problem.</summary>
    public static string FirstLine(string? text) =>
        (text ?? string.Empty).Split('\n', 2)[0].Trim().TrimEnd('.');

    /// <summary>The connection failure inside <paramref name="e"/> (refused, unknown host, timed out), as one short clause; null when there is none.</summary>
    public static string? ConnectionFailure(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException socket:
                    return socket.Message;
                case HttpRequestException { InnerException: null } http:
                    return http.Message;
                case TimeoutException or TaskCanceledException:
                    return "no answer in time";
            }
        }

        return e is AggregateException aggregate ? aggregate.InnerExceptions.Select(ConnectionFailure).FirstOrDefault(m => m is not null) : null;
    }
}
