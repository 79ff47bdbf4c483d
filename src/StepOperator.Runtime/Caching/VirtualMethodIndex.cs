using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace StepOperator.Caching;

/// <summary>
/// The virtual methods of every type in the assemblies that count by content and that a program is
/// built against (its own assembly and, through their references, every such assembly it can reach),
/// by simple name: the candidates behind a virtual or interface call the code walk cannot resolve.
/// Built once per program assembly.
/// </summary>
internal sealed class VirtualMethodIndex
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
    private static readonly ConditionalWeakTable<Assembly, VirtualMethodIndex> Built = new();

    private readonly AssemblyOrigins _origins;

    private VirtualMethodIndex(AssemblyOrigins origins, IReadOnlyDictionary<string, List<MethodInfo>> byName)
    {
        _origins = origins;
        ByName = byName;
    }

    /// <summary>Method simple name ("Dispose", also for "System.IDisposable.Dispose") → the virtual methods of that name.</summary>
    public IReadOnlyDictionary<string, List<MethodInfo>> ByName { get; }

    public static VirtualMethodIndex For(Assembly program, AssemblyOrigins origins)
    {
        lock (Built)
        {
            if (Built.TryGetValue(program, out var index) && index._origins == origins)
            {
                return index;
            }

            index = new VirtualMethodIndex(origins, Index(CountedAssemblies(program, origins)));
            Built.AddOrUpdate(program, index);
            return index;
        }
    }

    /// <summary>A method's name without an explicit implementation's interface prefix ("System.IDisposable.Dispose" → "Dispose").</summary>
    public static string SimpleName(string name) => name.LastIndexOf('.') is var dot and > 0 ? name[(dot + 1)..] : name;

    private static Dictionary<string, List<MethodInfo>> Index(IEnumerable<Assembly> assemblies)
    {
        var byName = new Dictionary<string, List<MethodInfo>>(StringComparer.Ordinal);
        foreach (var type in assemblies.SelectMany(LoadableTypes))
        {
            foreach (var method in type.GetMethods(Declared).Where(m => m.IsVirtual))
            {
                var name = SimpleName(method.Name);
                if (!byName.TryGetValue(name, out var list))
                {
                    byName[name] = list = new List<MethodInfo>();
                }

                list.Add(method);
            }
        }

        return byName;
    }

    private static List<Assembly> CountedAssemblies(Assembly program, AssemblyOrigins origins)
    {
        var context = AssemblyLoadContext.GetLoadContext(program) ?? AssemblyLoadContext.Default;
        var found = new List<Assembly> { program };
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { program.GetName().Name ?? string.Empty };
        for (var index = 0; index < found.Count; index++)
        {
            foreach (var reference in found[index].GetReferencedAssemblies())
            {
                if (!names.Add(reference.Name ?? string.Empty))
                {
                    continue;
                }

                try
                {
                    var assembly = context.LoadFromAssemblyName(reference);
                    if (origins.Of(assembly).ByContent)
                    {
                        found.Add(assembly);
                    }
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // Not loadable here, so its types cannot be made by this program either.
                }
            }
        }

        return found;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}
