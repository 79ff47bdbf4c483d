using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;

namespace StepOperator.Caching;

/// <summary>How an assembly's code counts in a step's code fingerprint.</summary>
/// <param name="ByContent">True when its code counts by what it is (the IL a step reaches); false when a version stands for it.</param>
/// <param name="Label">For an assembly counted by version: the immutable version that stands for its code.</param>
internal sealed record AssemblyOrigin(bool ByContent, string Label)
{
    public static AssemblyOrigin Content(string name) => new(true, name);

    public static AssemblyOrigin Versioned(string label) => new(false, label);
}

/// <summary>
/// Tells which assemblies are immutable versions (a NuGet package's version, the shared framework's
/// build) and which are the user's own code (the program, its referenced projects, a plain DLL
/// reference, anything else). Only the first are identified by their version in a step's
/// fingerprint; the rest count by content, because their version does not change when they are edited.
/// The program's own deps.json (the .NET host's record of where every assembly came from) says
/// which library each assembly belongs to and whether that library is a package.
/// </summary>
internal sealed class AssemblyOrigins
{
    private readonly IReadOnlyDictionary<string, string> _packagedAssemblies;
    private readonly ConcurrentDictionary<Assembly, AssemblyOrigin> _known = new();

    /// <param name="packagedAssemblies">Assembly simple name → the package (id, version, hash) it comes from.</param>
    /// <param name="frameworkDirectories">Directories whose assemblies belong to an installed shared framework.</param>
    public AssemblyOrigins(IReadOnlyDictionary<string, string> packagedAssemblies, IReadOnlyList<string> frameworkDirectories)
    {
        _packagedAssemblies = packagedAssemblies;
        FrameworkDirectories = frameworkDirectories;
    }

    /// <summary>Directories whose assemblies belong to an installed shared framework.</summary>
    public IReadOnlyList<string> FrameworkDirectories { get; }

    /// <summary>The origins as this process's .NET host resolved them.</summary>
    /// (The host lists the deps files separated by semicolons on every OS, the program's own first.)
    public static AssemblyOrigins Current { get; } = new(
        ReadPackagedAssemblies((AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';').FirstOrDefault()),
        SharedFrameworkDirectories());

    public AssemblyOrigin Of(Assembly assembly) => _known.GetOrAdd(assembly, Classify);

    private AssemblyOrigin Classify(Assembly assembly)
    {
        var name = assembly.GetName();
        if (assembly.IsDynamic)
        {
            return AssemblyOrigin.Versioned($"dynamic {name.FullName}");
        }

        if (assembly.Location is { Length: > 0 } location &&
            FrameworkDirectories.Any(directory => location.StartsWith(directory, StringComparison.Ordinal)))
        {
            // A shared framework's file carries the framework build (version and commit) it belongs to.
            var build = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? name.Version?.ToString();
            return AssemblyOrigin.Versioned($"framework {name.Name} {build}");
        }

        return name.Name is { } simpleName && _packagedAssemblies.TryGetValue(simpleName, out var package)
            ? AssemblyOrigin.Versioned($"package {package}")
            : AssemblyOrigin.Content(name.Name ?? name.FullName);
    }

    /// <summary>
    /// The assemblies of the package and runtime-pack libraries a deps.json lists (its "libraries" say
    /// each library's type; its target's "runtime" and "runtimeTargets" name the library's assemblies).
    /// Libraries of type "project" or "reference" are left out: they count by content. An unreadable or
    /// missing file gives no packages, so everything outside the shared framework counts by content.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> ReadPackagedAssemblies(string? depsFile)
    {
        var packaged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (depsFile is null || !File.Exists(depsFile))
        {
            return packaged;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(depsFile));
            var root = document.RootElement;
            if (!root.TryGetProperty("libraries", out var libraries) || !root.TryGetProperty("targets", out var targets) ||
                !root.TryGetProperty("runtimeTarget", out var runtimeTarget) || !runtimeTarget.TryGetProperty("name", out var targetName) ||
                !targets.TryGetProperty(targetName.GetString() ?? string.Empty, out var target))
            {
                return packaged;
            }

            foreach (var library in target.EnumerateObject())
            {
                if (!libraries.TryGetProperty(library.Name, out var description) ||
                    !description.TryGetProperty("type", out var type) ||
                    type.GetString() is not ("package" or "runtimepack"))
                {
                    continue;
                }

                var hash = description.TryGetProperty("sha512", out var sha512) ? sha512.GetString() : null;
                var label = string.IsNullOrEmpty(hash) ? library.Name : $"{library.Name} {hash}";
                foreach (var assetGroup in new[] { "runtime", "runtimeTargets" })
                {
                    if (library.Value.TryGetProperty(assetGroup, out var assets) && assets.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var asset in assets.EnumerateObject().Where(asset => asset.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
                        {
                            packaged[Path.GetFileNameWithoutExtension(asset.Name)] = label;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            packaged.Clear();
        }

        return packaged;
    }

    /// <summary>The installed shared frameworks' folder (…/dotnet/shared/), found from where corelib was loaded.</summary>
    private static IReadOnlyList<string> SharedFrameworkDirectories()
    {
        // corelib lives in …/shared/Microsoft.NETCore.App/<version>/; a self-contained app has it beside
        // the program instead, and its deps.json lists it as a runtime pack.
        var coreDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var shared = coreDirectory is null ? null : Path.GetDirectoryName(Path.GetDirectoryName(coreDirectory));
        if (shared is not null && string.Equals(Path.GetFileName(shared), "shared", StringComparison.Ordinal))
        {
            return [shared + Path.DirectorySeparatorChar];
        }

        return coreDirectory is null || string.Equals(coreDirectory.TrimEnd(Path.DirectorySeparatorChar), AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            ? []
            : [coreDirectory + Path.DirectorySeparatorChar];
    }
}
