# SPDX-License-Identifier: BSD-2-Clause
# Heap snapshot workload for Ren'Py 8 (gl2): shows three images of known
# sizes (written by the test as red.png, blue.png, odd.png) and a text,
# waits until their textures are loaded, then writes what Ren'Py itself
# says of every loaded texture (GL name, the texture's size, whether it
# has mipmaps, config.max_mipmap_level) to $PMT_TRUTH and holds still.

image red = "red.png"
image blue = "blue.png"
image odd = "odd.png"

label start:
    show red at truecenter
    show blue at topleft
    show odd at topright
    show text "pmtrace" at Position(xpos=0.5, ypos=0.9)
    $ renpy.pause(1.0, hard=True)
    python:
        import gc, json, os
        from renpy.gl2.gl2texture import GLTexture
        pmt_tex = [o for o in gc.get_objects() if isinstance(o, GLTexture) and o.loaded]
        pmt_out = [dict(number=t.number, width=t.texture_width, height=t.texture_height,
                        mipmap=bool((t.properties or {}).get("mipmap", True)))
                   for t in pmt_tex]
        with open(os.environ["PMT_TRUTH"] + ".tmp", "w") as pmt_f:
            json.dump(dict(pid=os.getpid(), textures=pmt_out,
                           max_mipmap_level=renpy.config.max_mipmap_level), pmt_f)
        os.rename(os.environ["PMT_TRUTH"] + ".tmp", os.environ["PMT_TRUTH"])
        del pmt_tex, pmt_out, pmt_f
    $ renpy.pause(3600, hard=True)
    return
