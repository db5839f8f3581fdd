"""The Jobs area: ``screen`` composes ``jobs_list`` (owns its polling, posts JobHighlighted)
and ``job_detail`` (owns its watcher); ``actions`` holds the keys, ``create_form`` the form,
``format`` the pure text of jobs, ``messages`` what the workers post."""
